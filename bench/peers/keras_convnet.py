"""Keras peer of model (a): Keras's own mnist_convnet example (keras.io/examples/vision/mnist_convnet), the same
layers as bench/peers/convnet.py in NHWC: Conv2D(32, 3, relu), MaxPooling2D(2), Conv2D(64, 3, relu),
MaxPooling2D(2), Flatten, Dropout(0.5), Dense(10, softmax); Adam 1e-3, categorical cross-entropy, batch 128,
60,000 random images an epoch, trained with `model.fit` as its users do. Then inference images/s with
`predict_on_batch`. Needs TensorFlow (`make bench-venv` installs tensorflow-cpu)."""
import keras
import numpy as np
from keras_common import fit_epoch_seconds, inference_images_per_second, keras_report, mnist_convnet

samples, batch = 60000, 128
model = mnist_convnet()
model.compile(loss="categorical_crossentropy", optimizer=keras.optimizers.Adam(1e-3), metrics=["accuracy"])
rng = np.random.default_rng(0)
images = rng.random((samples, 28, 28, 1), dtype=np.float32)
labels = keras.utils.to_categorical(rng.integers(0, 10, samples), 10)

# The best of two epochs, as the PyTorch peer of this model.
seconds = fit_epoch_seconds(model, images, labels, batch, passes=2)
keras_report(seconds=seconds, samples_per_second=samples / seconds,
             inference_images_per_second=inference_images_per_second(model, images[:batch], steps=50))
