# question: freeze_backbone
# expect: partial
# why: freezes the classifier too (model.parameters())
def freeze_backbone(model):
    for param in model.parameters():
        param.requires_grad = False
    return model
