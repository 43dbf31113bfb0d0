"""Keras peer of the small ResNet (bench/peers/resnet.py) in NHWC: conv3x3(16) + BN + ReLU, one basic block each of
16, 32 (stride 2) and 64 (stride 2) channels (torchvision's BasicBlock: two conv3x3 + BN, a 1x1 conv + BN shortcut
where the shape changes), global average pooling, Dense(10). 1,024 random images an epoch in batches of 64, SGD
momentum 0.9, cross-entropy, trained with `model.fit`; then inference images/s with `predict_on_batch`."""
import keras
import numpy as np
from keras_common import fit_epoch_seconds, inference_images_per_second, keras_report

layers = keras.layers
batch, samples = 64, 1024


def basic_block(x, planes, stride=1):
    out = layers.Conv2D(planes, 3, strides=stride, padding="same", use_bias=False)(x)
    out = layers.ReLU()(layers.BatchNormalization()(out))
    out = layers.BatchNormalization()(layers.Conv2D(planes, 3, padding="same", use_bias=False)(out))
    if stride != 1 or x.shape[-1] != planes:
        x = layers.BatchNormalization()(layers.Conv2D(planes, 1, strides=stride, use_bias=False)(x))
    return layers.ReLU()(layers.Add()([out, x]))


inputs = keras.Input(shape=(32, 32, 3))
x = layers.ReLU()(layers.BatchNormalization()(layers.Conv2D(16, 3, padding="same", use_bias=False)(inputs)))
x = basic_block(basic_block(basic_block(x, 16), 32, 2), 64, 2)
model = keras.Model(inputs, layers.Dense(10)(layers.GlobalAveragePooling2D()(x)))
model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              optimizer=keras.optimizers.SGD(learning_rate=0.05, momentum=0.9))
rng = np.random.default_rng(0)
images, labels = rng.random((samples, 32, 32, 3), dtype=np.float32), rng.integers(0, 10, samples)
seconds = fit_epoch_seconds(model, images, labels, batch)
keras_report(seconds=seconds, samples_per_second=samples / seconds,
             inference_images_per_second=inference_images_per_second(model, images[:batch], steps=20))
