# question: replace_classifier
# expect: partial
# why: head of the wrong size: ignores num_classes (10 digits)
# fails: test_other_width, test_pretrained_five
def replace_classifier(model, num_classes):
    model.classifier = nn.Linear(model.classifier.in_features, 10)
    return model
