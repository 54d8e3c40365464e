# question: freeze_backbone
# expect: partial
# why: freezes only the first conv block and forgets to return the model
def freeze_backbone(model):
    for param in model.features[0].parameters():
        param.requires_grad = False
