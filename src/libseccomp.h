/* libseccomp's <seccomp.h>, which our own "seccomp.h" hides on the include
 * path.  Include this one as <libseccomp.h>: #include_next then searches the
 * directories after src/, where the library's header is. */
#pragma once

#include_next <seccomp.h>
