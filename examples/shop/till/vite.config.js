// outpost-sync is installed from ../../../browser-sdk (a file: dependency, so a symbolic link): its `import 'react'`
// must resolve to this app's React, not be looked up beside the SDK's sources.
export default { resolve: { dedupe: ['react', 'react-dom'] } };
