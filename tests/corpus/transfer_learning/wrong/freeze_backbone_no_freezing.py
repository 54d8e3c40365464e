# question: freeze_backbone
# expect: partial
# why: no freezing at all: returns the model unchanged
def freeze_backbone(model):
    return model
