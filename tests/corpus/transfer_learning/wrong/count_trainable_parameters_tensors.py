# question: count_trainable_parameters
# expect: partial
# why: counts tensors instead of scalar elements
# fails: test_all_trainable, test_feature_extractor, test_fine_tuning
def count_trainable_parameters(model):
    return sum(1 for p in model.parameters() if p.requires_grad)
