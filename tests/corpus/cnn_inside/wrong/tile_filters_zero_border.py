# question: tile_filters
# expect: zero
# why: borders and empty cells are 0 instead of NaN
# fails: test_values[full], test_values[one_column], test_values[rect], test_values[small]
# names: np.full(shape, np.nan)
def tile_filters(images, ncols):
    n, h, w = images.shape
    rows = -(-n // ncols)
    grid = np.zeros((rows * (h + 1) + 1, ncols * (w + 1) + 1))
    for i in range(n):
        r, c = divmod(i, ncols)
        grid[1 + r * (h + 1):1 + r * (h + 1) + h, 1 + c * (w + 1):1 + c * (w + 1) + w] = images[i]
    return grid
