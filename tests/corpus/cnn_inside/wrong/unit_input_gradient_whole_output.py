# question: unit_input_gradient
# expect: partial
# why: backward() on the sum of all outputs instead of one unit
# fails: test_digit_blocks, test_fills_receptive_field
# names: 모든 출력의 합의 기울기
def unit_input_gradient(model, x, channel, row, col):
    x = x.detach().clone().requires_grad_(True)
    model(x).sum().backward()
    return x.grad[0].numpy()
