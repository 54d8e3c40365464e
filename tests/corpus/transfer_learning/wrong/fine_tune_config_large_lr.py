# question: fine_tune_config
# defines: FINE_TUNE_CONFIG
# expect: partial
# why: fine-tunes with a large learning rate and destroys the pretrained features
# fails: test_fine_tunes
FINE_TUNE_CONFIG = {"lr": 0.3, "epochs": 20, "batch_size": 10}
