# question: replace_classifier
# expect: partial
# why: hard-codes in_features = 128 (wrong for other backbones)
# fails: test_other_width
def replace_classifier(model, num_classes):
    model.classifier = nn.Linear(128, num_classes)
    return model
