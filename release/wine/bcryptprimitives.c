/* Wine 8.0 (Debian 12's) has no bcryptprimitives.dll, which Windows 10 and later have and
 * Rust's standard library imports (ProcessPrng, for random numbers). release/test.sh
 * builds this stand-in into its own wine prefix only, so that the Windows binaries run
 * under wine as they do on Windows; it is not shipped. ProcessPrng fills the buffer from
 * the system RNG and never fails, as Windows documents it. */
#include <windows.h>
#include <bcrypt.h>

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (BCryptGenRandom(NULL, data, chunk, BCRYPT_USE_SYSTEM_PREFERRED_RNG) != 0)
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
