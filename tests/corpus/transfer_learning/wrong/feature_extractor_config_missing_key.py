# question: feature_extractor_config
# defines: FEATURE_EXTRACTOR_CONFIG
# expect: zero
# why: batch_size missing
# fails: test_trains_feature_extractor, test_valid
FEATURE_EXTRACTOR_CONFIG = {"lr": 0.01, "epochs": 30}
