# question: fine_tune_config
# defines: FINE_TUNE_CONFIG
# expect: zero
# why: epochs given as a float
# fails: test_fine_tunes, test_valid
FINE_TUNE_CONFIG = {"lr": 0.001, "epochs": 20.0, "batch_size": 10}
