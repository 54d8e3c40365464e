# question: unfreeze_last_block
# expect: full
# why: walks model.features backwards to the first child that has parameters
def unfreeze_last_block(model):
    for child in reversed(list(model.features)):
        params = list(child.parameters())
        if params:
            for p in params:
                p.requires_grad_(True)
            break
    return model
