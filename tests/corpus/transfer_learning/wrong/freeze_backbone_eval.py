# question: freeze_backbone
# expect: partial
# why: model.eval() instead of requires_grad = False
# fails: test_deeper_backbone, test_mixed_start, test_pretrained_base_frozen
def freeze_backbone(model):
    model.features.eval()
    return model
