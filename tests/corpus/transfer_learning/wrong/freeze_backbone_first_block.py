# question: freeze_backbone
# expect: partial
# why: freezes only the first conv block and forgets to return the model
# fails: test_deeper_backbone, test_mixed_start, test_pretrained_base_frozen, test_values_unchanged_and_returned
def freeze_backbone(model):
    for param in model.features[0].parameters():
        param.requires_grad = False
