# question: freeze_backbone
# expect: partial
# why: no freezing at all: returns the model unchanged
# fails: test_deeper_backbone, test_mixed_start, test_pretrained_base_frozen
def freeze_backbone(model):
    return model
