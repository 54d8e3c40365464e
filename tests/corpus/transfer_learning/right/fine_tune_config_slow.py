# question: fine_tune_config
# defines: FINE_TUNE_CONFIG
# expect: full
# why: a very small learning rate with small batches still fine-tunes
FINE_TUNE_CONFIG = {"lr": 3e-4, "epochs": 30, "batch_size": 5}
