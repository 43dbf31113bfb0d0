#include <string.h>
#include "CNIfTI.h"

nifti_image *plexus_nifti_header_image(const void *header, const char *path) {
    struct nifti_1_header copy;
    memcpy(&copy, header, sizeof copy);
    return nifti_convert_nhdr2nim(copy, path);
}
