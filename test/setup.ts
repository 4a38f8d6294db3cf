import '@coil/language/polyfills';
