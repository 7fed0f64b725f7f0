/*
** check.h — the minimal assertion kit for clusterscope's unit tests.
** Each CHECK counts; main() ends with `return check_report();`, which prints
** "N passed, N failed" and returns non-zero on any failure.
*/
#ifndef CS_CHECK_H
#define CS_CHECK_H

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static int check_passed_, check_failed_;

#define CHECK(cond)                                                          \
    do {                                                                     \
        if (cond) check_passed_++;                                           \
        else {                                                               \
            check_failed_++;                                                 \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, \
                    #cond);                                                  \
        }                                                                    \
    } while (0)

#define CHECK_INT(got, want)                                                 \
    do {                                                                     \
        long long g_ = (long long)(got), w_ = (long long)(want);             \
        if (g_ == w_) check_passed_++;                                       \
        else {                                                               \
            check_failed_++;                                                 \
            fprintf(stderr, "%s:%d: %s = %lld, want %lld\n", __FILE__,       \
                    __LINE__, #got, g_, w_);                                 \
        }                                                                    \
    } while (0)

#define CHECK_DBL(got, want)                                                 \
    do {                                                                     \
        double g_ = (got), w_ = (want);                                      \
        double tol_ = 1e-9 * fmax(1.0, fmax(fabs(g_), fabs(w_)));            \
        if (fabs(g_ - w_) <= tol_) check_passed_++;                          \
        else {                                                               \
            check_failed_++;                                                 \
            fprintf(stderr, "%s:%d: %s = %.17g, want %.17g\n", __FILE__,     \
                    __LINE__, #got, g_, w_);                                 \
        }                                                                    \
    } while (0)

#define CHECK_STR(got, want)                                                 \
    do {                                                                     \
        const char *g_ = (got), *w_ = (want);                                \
        if (g_ && w_ && strcmp(g_, w_) == 0) check_passed_++;                \
        else {                                                               \
            check_failed_++;                                                 \
            fprintf(stderr, "%s:%d: %s = \"%s\", want \"%s\"\n", __FILE__,   \
                    __LINE__, #got, g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
        }                                                                    \
    } while (0)

static inline int check_report(void)
{
    printf("%d passed, %d failed\n", check_passed_, check_failed_);
    return check_failed_ ? 1 : 0;
}

#endif
