# question: replace_classifier
# expect: partial
# why: keeps the pretrained head and only unfreezes it
# fails: test_fresh_head, test_other_width
def replace_classifier(model, num_classes):
    for param in model.classifier.parameters():
        param.requires_grad = True
    return model
