# question: feature_extractor_config
# defines: FEATURE_EXTRACTOR_CONFIG
# expect: partial
# why: learning rate and epochs far too small: the head barely trains
# fails: test_trains_feature_extractor
FEATURE_EXTRACTOR_CONFIG = {"lr": 1e-5, "epochs": 5, "batch_size": 10}
