// cairo (image and SVG surfaces) and pango for its text, from Debian's libcairo2-dev and libpango1.0-dev.
#include <cairo/cairo.h>
#include <cairo/cairo-svg.h>
#include <pango/pangocairo.h>
