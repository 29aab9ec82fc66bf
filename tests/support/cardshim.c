/* The card shim (tests/support/cardfaults.py): write calls under one folder fail on demand. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

struct control { volatile int err; volatile int fsync_ms; volatile long calls; };
static struct control *ctl;
static char prefix[1024];
static size_t prefix_len;
static unsigned char marked[65536];

__attribute__((constructor)) static void init(void) {
    const char *path = getenv("CARDSHIM_CONTROL"), *under = getenv("CARDSHIM_FOLDER");
    if (!path || !under) return;
    int (*real_open)(const char *, int, ...) = dlsym(RTLD_NEXT, "open");
    int fd = real_open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0) return;
    void *m = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (m == MAP_FAILED) return;
    ctl = m;
    strncpy(prefix, under, sizeof prefix - 2);
    prefix_len = strlen(prefix);
}

static int under(const char *path) {
    if (!ctl || !path) return 0;
    if (path[0] == '/')  /* the folder itself, or anything in it */
        return strncmp(path, prefix, prefix_len) == 0
            || (strncmp(path, prefix, prefix_len - 1) == 0 && path[prefix_len - 1] == 0);
    char cwd[1024];
    if (!getcwd(cwd, sizeof cwd)) return 0;
    return strncmp(cwd, prefix, prefix_len) == 0;
}
static int failing(void) { if (ctl && ctl->err) { ctl->calls++; errno = ctl->err; return 1; } return 0; }
static int ro(void) { return ctl && ctl->err == EROFS; }
static void slow(void) {
    if (ctl && ctl->fsync_ms > 0) {
        struct timespec ts = { ctl->fsync_ms / 1000, (ctl->fsync_ms % 1000) * 1000000L };
        nanosleep(&ts, 0);
    }
}
#define REAL(name) static typeof(&name) real; if (!real) real = dlsym(RTLD_NEXT, #name)

static int opened(const char *path, int flags, int fd) {
    if (fd >= 0 && fd < 65536) marked[fd] = under(path);
    return fd;
}
static int writes(int flags) { return (flags & (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC)) != 0; }

int open(const char *path, int flags, ...) {
    REAL(open); va_list ap; va_start(ap, flags); mode_t mode = va_arg(ap, int); va_end(ap);
    if (under(path) && writes(flags) && ro()) { errno = EROFS; return -1; }
    return opened(path, flags, real(path, flags, mode));
}
int open64(const char *path, int flags, ...) {
    REAL(open64); va_list ap; va_start(ap, flags); mode_t mode = va_arg(ap, int); va_end(ap);
    if (under(path) && writes(flags) && ro()) { errno = EROFS; return -1; }
    return opened(path, flags, real(path, flags, mode));
}
int openat(int dirfd, const char *path, int flags, ...) {
    REAL(openat); va_list ap; va_start(ap, flags); mode_t mode = va_arg(ap, int); va_end(ap);
    if (under(path) && writes(flags) && ro()) { errno = EROFS; return -1; }
    return opened(path, flags, real(dirfd, path, flags, mode));
}
int openat64(int dirfd, const char *path, int flags, ...) {
    REAL(openat64); va_list ap; va_start(ap, flags); mode_t mode = va_arg(ap, int); va_end(ap);
    if (under(path) && writes(flags) && ro()) { errno = EROFS; return -1; }
    return opened(path, flags, real(dirfd, path, flags, mode));
}
int close(int fd) { REAL(close); if (fd >= 0 && fd < 65536) marked[fd] = 0; return real(fd); }
static int mine(int fd) { return fd >= 0 && fd < 65536 && marked[fd]; }

ssize_t write(int fd, const void *b, size_t n) { REAL(write); if (mine(fd) && failing()) return -1; return real(fd, b, n); }
ssize_t pwrite(int fd, const void *b, size_t n, off_t o) { REAL(pwrite); if (mine(fd) && failing()) return -1; return real(fd, b, n, o); }
ssize_t pwrite64(int fd, const void *b, size_t n, off_t o) { REAL(pwrite64); if (mine(fd) && failing()) return -1; return real(fd, b, n, o); }
ssize_t writev(int fd, const struct iovec *v, int c) { REAL(writev); if (mine(fd) && failing()) return -1; return real(fd, v, c); }
ssize_t pwritev(int fd, const struct iovec *v, int c, off_t o) { REAL(pwritev); if (mine(fd) && failing()) return -1; return real(fd, v, c, o); }
int ftruncate(int fd, off_t l) { REAL(ftruncate); if (mine(fd) && failing()) return -1; return real(fd, l); }
int ftruncate64(int fd, off_t l) { REAL(ftruncate64); if (mine(fd) && failing()) return -1; return real(fd, l); }
int fallocate(int fd, int m, off_t o, off_t l) { REAL(fallocate); if (mine(fd) && failing()) return -1; return real(fd, m, o, l); }
int fsync(int fd) { REAL(fsync); if (mine(fd)) { if (failing()) return -1; slow(); } return real(fd); }
int fdatasync(int fd) { REAL(fdatasync); if (mine(fd)) { if (failing()) return -1; slow(); } return real(fd); }

int rename(const char *a, const char *b) { REAL(rename); if ((under(a) || under(b)) && ro()) { errno = EROFS; return -1; } return real(a, b); }
int renameat(int da, const char *a, int db, const char *b) { REAL(renameat); if ((under(a) || under(b)) && ro()) { errno = EROFS; return -1; } return real(da, a, db, b); }
int unlink(const char *p) { REAL(unlink); if (under(p) && ro()) { errno = EROFS; return -1; } return real(p); }
int unlinkat(int d, const char *p, int f) { REAL(unlinkat); if (under(p) && ro()) { errno = EROFS; return -1; } return real(d, p, f); }
int mkdir(const char *p, mode_t m) { REAL(mkdir); if (under(p) && ro()) { errno = EROFS; return -1; } return real(p, m); }
int mkdirat(int d, const char *p, mode_t m) { REAL(mkdirat); if (under(p) && ro()) { errno = EROFS; return -1; } return real(d, p, m); }

/* A read-only card says so when asked, as a file system remounted read-only does. */
int statvfs(const char *p, struct statvfs *b) { REAL(statvfs); int r = real(p, b); if (r == 0 && under(p) && ro()) b->f_flag |= ST_RDONLY; return r; }
int statvfs64(const char *p, struct statvfs64 *b) { REAL(statvfs64); int r = real(p, b); if (r == 0 && under(p) && ro()) b->f_flag |= ST_RDONLY; return r; }
int fstatvfs(int fd, struct statvfs *b) { REAL(fstatvfs); int r = real(fd, b); if (r == 0 && mine(fd) && ro()) b->f_flag |= ST_RDONLY; return r; }
