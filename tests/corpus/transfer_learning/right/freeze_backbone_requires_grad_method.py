# question: freeze_backbone
# expect: full
# why: Module.requires_grad_(False) on the whole base in one call
def freeze_backbone(model):
    model.features.requires_grad_(False)
    return model
