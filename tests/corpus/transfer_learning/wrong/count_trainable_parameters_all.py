# question: count_trainable_parameters
# expect: partial
# why: counts frozen parameters too
# fails: test_feature_extractor, test_fine_tuning, test_nothing
def count_trainable_parameters(model):
    return sum(p.numel() for p in model.parameters())
