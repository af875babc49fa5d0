#ifndef SUPERMASK_CHDF5_SHIM_H
#define SUPERMASK_CHDF5_SHIM_H
#include <hdf5.h>
#include <signal.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/prctl.h>

// HDF5's type ids and flags are macros over library globals, which Swift cannot import;
// these wrappers expose them as functions.
static inline hid_t h5shim_native_float(void)  { return H5T_NATIVE_FLOAT; }
static inline hid_t h5shim_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t h5shim_native_int64(void)  { return H5T_NATIVE_INT64; }
static inline hid_t h5shim_c_s1(void)          { return H5T_C_S1; }
static inline unsigned h5shim_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned h5shim_acc_trunc(void)  { return H5F_ACC_TRUNC; }
static inline unsigned h5shim_acc_rdwr(void)   { return H5F_ACC_RDWR; }
static inline size_t h5shim_variable(void)     { return H5T_VARIABLE; }

// For the child process that runs libhdf5: be killed when the parent dies (prctl is variadic, which Swift
// cannot call).
static inline int h5shim_die_with_parent(void) { return prctl(PR_SET_PDEATHSIG, SIGKILL); }

// GNU extensions (glibc >= 2.34) the parent uses to start that child, which Swift's Glibc module, built without
// _GNU_SOURCE, does not declare.
int pipe2(int descriptors[2], int flags);
int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *actions, int from);
static inline int h5shim_set_pipe_size(int descriptor, int bytes) { return fcntl(descriptor, 1031 /* F_SETPIPE_SZ */, bytes); }
#endif
