# question: unfreeze_last_block
# expect: partial
# why: hard-codes features[2] (wrong for a deeper backbone)
# fails: test_deeper
def unfreeze_last_block(model):
    for param in model.features[2].parameters():
        param.requires_grad = True
    return model
