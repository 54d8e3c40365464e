# question: normalize_filters
# expect: partial
# why: one minimum and maximum for all the filters together
# fails: test_constant_filter, test_pretrained_first_layer, test_three_channels
# names: 자신의 최솟값과 최댓값
def normalize_filters(weight):
    w = weight.detach().numpy().astype(np.float64)
    return (w - w.min()) / (w.max() - w.min())
