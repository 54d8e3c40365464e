# question: unfreeze_last_block
# expect: partial
# why: model.features[-1] is the Flatten layer: nothing is unfrozen
# fails: test_deeper, test_pretrained
def unfreeze_last_block(model):
    for param in model.features[-1].parameters():
        param.requires_grad = True
    return model
