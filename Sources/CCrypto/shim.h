// OpenSSL's libcrypto from Debian's libssl-dev, for SHA-256.
#include <openssl/evp.h>
