# question: feature_extractor_config
# defines: FEATURE_EXTRACTOR_CONFIG
# expect: full
# why: other reasonable settings (smaller batches, more epochs, larger lr)
FEATURE_EXTRACTOR_CONFIG = {"lr": 0.02, "epochs": 40, "batch_size": 5}
