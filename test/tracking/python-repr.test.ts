import { describe, expect, it } from 'vitest';

import { parsePythonFloat, pythonFloatRepr, pythonStr } from '../../src/core/tracking/python-repr.js';

describe('pythonFloatRepr', () => {
  // Each expected string is what CPython 3 prints for repr(float(x)).
  const cases: [number, string][] = [
    [0.69, '0.69'],
    [0.7012, '0.7012'],
    [1, '1.0'],
    [100, '100.0'],
    [-2.5, '-2.5'],
    [0.1 + 0.2, '0.30000000000000004'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [1.5e-5, '1.5e-05'],
    [1e-7, '1e-07'],
    [123456789.123, '123456789.123'],
    [1e15, '1000000000000000.0'],
    [9007199254740992, '9007199254740992.0'],
    [1e16, '1e+16'],
    [1.5e16, '1.5e+16'],
    [12345678901234567890, '1.2345678901234567e+19'],
    [1.7976931348623157e308, '1.7976931348623157e+308'],
    [5e-324, '5e-324'],
    [0, '0.0'],
    [-0, '-0.0'],
    [NaN, 'nan'],
    [Infinity, 'inf'],
    [-Infinity, '-inf'],
  ];
  it.each(cases)('writes %s as %s', (value, expected) => {
    expect(pythonFloatRepr(value)).toBe(expected);
  });

  it('round-trips through parsePythonFloat', () => {
    for (const [value] of cases)
      expect(Object.is(parsePythonFloat(pythonFloatRepr(value)), value)).toBe(true);
  });
});

describe('pythonStr', () => {
  it('writes values as str() does for params logged from Python', () => {
    expect(pythonStr('xgboost')).toBe('xgboost');
    expect(pythonStr(5)).toBe('5');
    expect(pythonStr(0.1)).toBe('0.1');
    expect(pythonStr(1e-5)).toBe('1e-05');
    expect(pythonStr(true)).toBe('True');
    expect(pythonStr(false)).toBe('False');
  });
});

describe('parsePythonFloat', () => {
  it('reads what float() reads', () => {
    expect(parsePythonFloat('0.69')).toBe(0.69);
    expect(parsePythonFloat('1e-05')).toBe(1e-5);
    expect(parsePythonFloat('3')).toBe(3);
    expect(parsePythonFloat('-inf')).toBe(-Infinity);
    expect(parsePythonFloat('Infinity')).toBe(Infinity);
    expect(Number.isNaN(parsePythonFloat('nan'))).toBe(true);
  });

  it('refuses what float() refuses', () => {
    expect(() => parsePythonFloat('')).toThrow();
    expect(() => parsePythonFloat('abc')).toThrow();
    expect(() => parsePythonFloat('0x10')).toThrow();
  });
});
