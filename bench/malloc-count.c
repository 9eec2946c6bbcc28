/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * LD_PRELOAD this to count heap allocations: malloc, calloc, realloc,
 * posix_memalign, aligned_alloc and memalign go to glibc's own and bump a
 * counter, which cnet-bench reads (cnet_bench_malloc_count) at the start
 * and end of its measuring window. That is how the benchmark shows that
 * the data path allocates nothing per packet.
 */
#include <stddef.h>
#include <stdint.h>

extern void *__libc_malloc (size_t size);
extern void *__libc_calloc (size_t n, size_t size);
extern void *__libc_realloc (void *p, size_t size);
extern void *__libc_memalign (size_t align, size_t size);

static int64_t n_allocs;

int64_t cnet_bench_malloc_count (void);
void *malloc (size_t size);
void *calloc (size_t n, size_t size);
void *realloc (void *p, size_t size);
void *memalign (size_t align, size_t size);
void *aligned_alloc (size_t align, size_t size);
int posix_memalign (void **out, size_t align, size_t size);

int64_t
cnet_bench_malloc_count (void)
{
  return __atomic_load_n (&n_allocs, __ATOMIC_RELAXED);
}

static inline void
count (void)
{
  __atomic_fetch_add (&n_allocs, 1, __ATOMIC_RELAXED);
}

void *
malloc (size_t size)
{
  count ();
  return __libc_malloc (size);
}

void *
calloc (size_t n, size_t size)
{
  count ();
  return __libc_calloc (n, size);
}

void *
realloc (void *p, size_t size)
{
  count ();
  return __libc_realloc (p, size);
}

void *
memalign (size_t align, size_t size)
{
  count ();
  return __libc_memalign (align, size);
}

void *
aligned_alloc (size_t align, size_t size)
{
  count ();
  return __libc_memalign (align, size);
}

int
posix_memalign (void **out, size_t align, size_t size)
{
  void *p;

  count ();
  p = __libc_memalign (align, size);
  if (p == NULL)
    return 12; /* ENOMEM */
  *out = p;
  return 0;
}
