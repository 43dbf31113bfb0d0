"""Golden fixtures for the convolution and pooling family: conv.json.

Cases (NCHW, PyTorch weight layouts), each with forward values and the gradients of every input:
  conv2d            {stride, padding ([h, w] or "same"), dilation, groups, relu}; inputs x, weight[, bias]
  conv_transpose2d  {stride, padding, output_padding, dilation, groups, relu}; inputs x, weight[, bias]
                    (relu: true means relu(conv(...)), which Plexus fuses into the convolution)
  max_pool2d        {kernel_size, stride, padding, dilation}
  avg_pool2d        {kernel_size, stride, padding, count_include_pad}
  global_avg_pool   (N, C, H, W) -> (N, C)
Shapes are small and odd on purpose (7x5 images, strides that do not divide the size) so that padding and
rounding are exercised; the smallest ones are also checked against finite differences in Swift.
"""

import torch
import torch.nn.functional as F

from make_golden import FixtureFile, normal


def spread(*shape, width=4.0):
    """Values a shuffled evenly spaced grid apart (no ties, gaps of width/n): max pooling keeps one winner per
    window even when a finite-difference step moves an element."""
    def make(prev):
        n = 1
        for size in shape:
            n *= size
        return ((torch.randperm(n).float() + 0.5) / n - 0.5).mul(width).reshape(shape)
    return make


def conv2d(x, w, b=None, stride=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1, relu=False):
    y = F.conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation, groups=groups)
    return F.relu(y) if relu else y


def conv_transpose2d(x, w, b=None, stride=(1, 1), padding=(0, 0), output_padding=(0, 0), dilation=(1, 1), groups=1,
                     relu=False):
    y = F.conv_transpose2d(x, w, b, stride=stride, padding=padding, output_padding=output_padding,
                           groups=groups, dilation=dilation)
    return F.relu(y) if relu else y


def max_pool2d(x, kernel_size, stride, padding=(0, 0), dilation=(1, 1)):
    return F.max_pool2d(x, kernel_size, stride, padding, dilation)


def avg_pool2d(x, kernel_size, stride, padding=(0, 0), count_include_pad=True):
    return F.avg_pool2d(x, kernel_size, stride, padding, count_include_pad=count_include_pad)


def global_avg_pool(x):
    return F.adaptive_avg_pool2d(x, 1).flatten(1)


def build() -> FixtureFile:
    f = FixtureFile("conv.json")

    def conv(name, x, w, bias=True, **attrs):
        inputs = [normal(*x), normal(*w, scale=0.5)] + ([normal(w[0], scale=0.5)] if bias else [])
        f.case(name, "conv2d", conv2d, inputs, attrs)

    conv("conv_odd_7x5", (2, 3, 7, 5), (4, 3, 3, 3))
    conv("conv_stride2_pad1", (2, 3, 7, 5), (4, 3, 3, 3), stride=[2, 2], padding=[1, 1])
    conv("conv_same_even_kernel", (1, 2, 6, 7), (3, 2, 4, 2), padding="same")
    conv("conv_same_dilation2", (1, 2, 7, 6), (3, 2, 3, 3), padding="same", dilation=[2, 2])
    conv("conv_dilation2_stride2", (2, 2, 9, 8), (3, 2, 3, 3), stride=[2, 2], padding=[1, 1], dilation=[2, 2])
    conv("conv_groups2", (2, 4, 6, 5), (6, 2, 3, 3), padding=[1, 1], groups=2)
    conv("conv_depthwise_stride2", (2, 3, 5, 6), (3, 1, 3, 3), stride=[2, 2], padding=[1, 1], groups=3)
    conv("conv_no_bias_rect", (2, 3, 5, 6), (4, 3, 2, 3), bias=False, stride=[2, 1], padding=[1, 0])
    conv("conv_tiny", (1, 2, 4, 3), (2, 2, 2, 2), padding=[1, 1])
    # Channel counts that are multiples of 16 take oneDNN's blocked (nChw16c) kernels.
    conv("conv_blocked_1_to_16", (3, 1, 8, 8), (16, 1, 3, 3))
    conv("conv_blocked_16_to_32", (2, 16, 5, 5), (32, 16, 3, 3), padding=[1, 1])
    conv("conv_relu_blocked", (2, 3, 7, 5), (16, 3, 3, 3), relu=True)
    conv("conv_relu_stride2_no_bias", (2, 2, 7, 6), (3, 2, 3, 3), bias=False, stride=[2, 2], padding=[1, 1], relu=True)

    def transposed(name, x, w, bias=True, groups=1, **attrs):
        inputs = [normal(*x), normal(*w, scale=0.5)] + ([normal(w[1] * groups, scale=0.5)] if bias else [])
        f.case(name, "conv_transpose2d", conv_transpose2d, inputs, dict(attrs, groups=groups))

    transposed("conv_transpose_stride2_output_padding1", (2, 4, 4, 3), (4, 3, 3, 3),
               stride=[2, 2], padding=[1, 1], output_padding=[1, 1])
    transposed("conv_transpose_odd", (1, 3, 5, 4), (3, 2, 3, 2))
    transposed("conv_transpose_groups2_dilation2", (1, 4, 4, 5), (4, 3, 3, 3), groups=2,
               stride=[2, 2], padding=[1, 1], dilation=[2, 2])
    # output_padding beyond the padding: oneDNN sees a negative padding below and right.
    transposed("conv_transpose_output_padding_beyond_padding", (1, 2, 3, 3), (2, 2, 2, 2), bias=False,
               stride=[3, 3], output_padding=[2, 1])
    transposed("conv_transpose_rect", (2, 2, 3, 4), (2, 3, 2, 3), stride=[2, 1], padding=[0, 1])
    transposed("conv_transpose_blocked_32_to_16", (1, 32, 3, 3), (32, 16, 3, 3),
               stride=[2, 2], padding=[1, 1], output_padding=[1, 1])
    transposed("conv_transpose_relu", (2, 4, 4, 3), (4, 3, 3, 3), stride=[2, 2], padding=[1, 1], output_padding=[1, 1], relu=True)

    def pool(name, op, fn, x, **attrs):
        f.case(name, op, fn, [spread(*x)], attrs)

    pool("max_pool_2_odd", "max_pool2d", max_pool2d, (2, 3, 6, 5), kernel_size=[2, 2], stride=[2, 2])
    pool("max_pool_3_stride2_pad1", "max_pool2d", max_pool2d, (2, 2, 7, 5), kernel_size=[3, 3], stride=[2, 2], padding=[1, 1])
    pool("max_pool_dilation2", "max_pool2d", max_pool2d, (1, 2, 8, 7), kernel_size=[2, 2], stride=[1, 1], dilation=[2, 2])
    pool("max_pool_rect_overlapping", "max_pool2d", max_pool2d, (2, 2, 5, 6), kernel_size=[3, 2], stride=[2, 1], padding=[1, 0])
    pool("max_pool_blocked_16", "max_pool2d", max_pool2d, (2, 16, 5, 5), kernel_size=[2, 2], stride=[2, 2])
    pool("avg_pool_2_odd", "avg_pool2d", avg_pool2d, (2, 3, 6, 5), kernel_size=[2, 2], stride=[2, 2])
    pool("avg_pool_3_stride2_pad1", "avg_pool2d", avg_pool2d, (2, 2, 7, 5), kernel_size=[3, 3], stride=[2, 2], padding=[1, 1])
    pool("avg_pool_3_stride2_pad1_exclude_pad", "avg_pool2d", avg_pool2d, (2, 2, 7, 5), kernel_size=[3, 3], stride=[2, 2],
         padding=[1, 1], count_include_pad=False)
    pool("avg_pool_rect_stride1", "avg_pool2d", avg_pool2d, (1, 3, 5, 4), kernel_size=[2, 3], stride=[1, 1], padding=[1, 1])
    f.case("global_avg_pool", "global_avg_pool", global_avg_pool, [normal(1, 3, 7, 5)])
    return f
