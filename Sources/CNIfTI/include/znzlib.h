// nifti1_io.h includes <znzlib.h> as if /usr/include/nifti were on the include path, and Debian ships no pkg-config
// file to add it. This folder is on every client's include path, so this forwards to the installed header.
#include <nifti/znzlib.h>
