# question: freeze_backbone
# expect: partial
# why: model.eval() instead of requires_grad = False
def freeze_backbone(model):
    model.features.eval()
    return model
