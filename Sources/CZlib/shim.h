// zlib from Debian's zlib1g-dev, for gzip-compressed inputs (NIfTI .nii.gz volumes).
#include <zlib.h>
