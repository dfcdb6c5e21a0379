/* vg_hex — the value of one hexadecimal digit, for the percent-escapes, \u escapes and
 * signatures the modules read. */
#ifndef VIGIE_UTIL_VG_HEX_H
#define VIGIE_UTIL_VG_HEX_H

/* 0-15 for '0'-'9', 'a'-'f', 'A'-'F'; -1 for anything else (any int, EOF included). */
static inline int vg_hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

#endif
