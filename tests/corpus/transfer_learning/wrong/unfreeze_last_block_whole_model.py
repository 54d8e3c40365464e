# question: unfreeze_last_block
# expect: partial
# why: unfreezes every parameter of the model, classifier included
# fails: test_classifier_untouched, test_deeper, test_pretrained
def unfreeze_last_block(model):
    for param in model.parameters():
        param.requires_grad = True
    return model
