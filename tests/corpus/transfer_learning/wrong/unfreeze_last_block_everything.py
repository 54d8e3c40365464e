# question: unfreeze_last_block
# expect: partial
# why: unfreezes the whole base
# fails: test_deeper, test_pretrained
def unfreeze_last_block(model):
    for param in model.features.parameters():
        param.requires_grad = True
    return model
