#ifndef SUPERMASK_CHDF5_SHIM_H
#define SUPERMASK_CHDF5_SHIM_H
#include <hdf5.h>

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
#endif
