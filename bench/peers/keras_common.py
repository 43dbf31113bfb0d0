"""Shared set-up and timing of the Keras peers of `make bench` (bench/peers/keras_NAME.py): Keras 3 on TensorFlow
CPU, trained with `model.fit` as its users do. Importing this module imports TensorFlow, so only the Keras peers do."""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402
from common import images_per_second, report, timed  # noqa: E402

# TensorFlow's default thread pools leave one of this machine's two cores idle (11 s an epoch instead of 6).
tf.config.threading.set_intra_op_parallelism_threads(os.cpu_count())
tf.config.threading.set_inter_op_parallelism_threads(os.cpu_count())
keras.utils.set_random_seed(0)


def fit_epoch_seconds(model, x, y, batch, passes=3):
    """Seconds of one `model.fit` epoch over (x, y), the best of `passes` after a warm-up fit that traces and compiles
    the training step. Keras alternates fast and slow epochs on this machine, so its best epoch is the fair figure."""
    model.fit(x[:3 * batch], y[:3 * batch], batch_size=batch, epochs=1, verbose=0)
    return min(timed(lambda: model.fit(x, y, batch_size=batch, epochs=1, verbose=0)) for _ in range(passes))


def inference_images_per_second(model, x, steps):
    """Images per second of `predict_on_batch` on the batch `x`, as `common.images_per_second` measures it."""
    return images_per_second(model.predict_on_batch, x, steps)


def keras_report(**values):
    """`common.report` with the Keras and TensorFlow versions."""
    report(**values, keras=keras.__version__, tensorflow=tf.__version__)


def mnist_convnet(*preprocessing):
    """Keras's mnist_convnet example (keras.io/examples/vision/mnist_convnet) on 28x28x1 inputs, after any
    `preprocessing` layers (e.g. Rescaling for 8-bit images)."""
    layers = keras.layers
    return keras.Sequential([
        keras.Input(shape=(28, 28, 1)), *preprocessing,
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(10, activation="softmax"),
    ])
