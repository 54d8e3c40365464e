# question: freeze_backbone
# expect: partial
# why: freezes the classifier too (model.parameters())
# fails: test_classifier_trainable, test_deeper_backbone, test_mixed_start, test_pretrained_base_frozen
def freeze_backbone(model):
    for param in model.parameters():
        param.requires_grad = False
    return model
