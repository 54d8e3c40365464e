# question: unfreeze_last_block
# expect: partial
# why: model.features[-1] is the Flatten layer: nothing is unfrozen
def unfreeze_last_block(model):
    for param in model.features[-1].parameters():
        param.requires_grad = True
    return model
