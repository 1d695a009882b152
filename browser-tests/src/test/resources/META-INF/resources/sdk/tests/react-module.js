// `react` for the test page (react.html's import map): the UMD build's global as an ES module, as a bundler gives
// an app the npm package.
const React = globalThis.React;
export default React;
export const {
  Fragment, StrictMode, createContext, createElement, useCallback, useContext, useEffect, useMemo, useRef, useState,
  useSyncExternalStore,
} = React;
