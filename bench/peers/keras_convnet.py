"""Keras peer of model (a): Keras's own mnist_convnet example (keras.io/examples/vision/mnist_convnet), the same
layers as bench/peers/convnet.py in NHWC: Conv2D(32, 3, relu), MaxPooling2D(2), Conv2D(64, 3, relu),
MaxPooling2D(2), Flatten, Dropout(0.5), Dense(10, softmax); Adam 1e-3, categorical cross-entropy, batch 128,
60,000 random images an epoch, trained with `model.fit` as its users do. Then inference images/s with
`predict_on_batch`. Needs `pip install tensorflow-cpu` (Keras 3 on TensorFlow); `make bench` runs it when present."""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from common import images_per_second, report, timed  # noqa: E402

# TensorFlow's default thread pools leave one of this machine's two cores idle (11 s an epoch instead of 6).
tf.config.threading.set_intra_op_parallelism_threads(os.cpu_count())
tf.config.threading.set_inter_op_parallelism_threads(os.cpu_count())
samples, batch = 60000, 128
keras.utils.set_random_seed(0)
model = keras.Sequential([
    keras.Input(shape=(28, 28, 1)),
    keras.layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
    keras.layers.MaxPooling2D(pool_size=(2, 2)),
    keras.layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
    keras.layers.MaxPooling2D(pool_size=(2, 2)),
    keras.layers.Flatten(),
    keras.layers.Dropout(0.5),
    keras.layers.Dense(10, activation="softmax"),
])
model.compile(loss="categorical_crossentropy", optimizer=keras.optimizers.Adam(1e-3), metrics=["accuracy"])
rng = np.random.default_rng(0)
images = rng.random((samples, 28, 28, 1), dtype=np.float32)
labels = keras.utils.to_categorical(rng.integers(0, 10, samples), 10)

# Warm-up: the first fit traces and compiles the training step.
model.fit(images[:3 * batch], labels[:3 * batch], batch_size=batch, epochs=1, verbose=0)
# The best of two epochs, as the PyTorch peer of this model.
seconds = min(timed(lambda: model.fit(images, labels, batch_size=batch, epochs=1, verbose=0)) for _ in range(2))

report(seconds=seconds, samples_per_second=samples / seconds,
       inference_images_per_second=images_per_second(model.predict_on_batch, images[:batch], steps=50),
       keras=keras.__version__, tensorflow=tf.__version__)
