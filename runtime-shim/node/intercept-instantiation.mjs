// Replaces WebAssembly.instantiate, instantiateStreaming and the
// WebAssembly.Instance constructor so that `importsFor(module, imports)` can
// change the import object of every instance a program creates, whichever of
// the three it uses (register.mjs; the real-world tests' hooks.mjs).
// `new WebAssembly.Instance` goes through a proxy of the constructor, so
// `instanceof WebAssembly.Instance` still holds for every instance.
export function interceptInstantiation(importsFor) {
  const W = globalThis.WebAssembly;
  const realModule = W.Module;
  const realInstance = W.Instance;
  const realInstantiate = W.instantiate;
  const realCompile = W.compile;
  const realCompileStreaming = W.compileStreaming;

  W.Instance = new Proxy(realInstance, {
    construct(target, args, newTarget) {
      const [module, imports, ...rest] = args;
      return Reflect.construct(target, [module, importsFor(module, imports), ...rest],
        newTarget === W.Instance ? target : newTarget);
    },
  });

  W.instantiate = function instantiate(source, imports, ...rest) {
    if (source instanceof realModule) {
      return realInstantiate.call(W, source, importsFor(source, imports), ...rest);
    }
    return realCompile.call(W, source, ...rest).then((module) =>
      realInstantiate.call(W, module, importsFor(module, imports), ...rest)
        .then((instance) => ({ module, instance })));
  };

  if (typeof realCompileStreaming === 'function') {
    W.instantiateStreaming = function instantiateStreaming(source, imports, ...rest) {
      return realCompileStreaming.call(W, source, ...rest).then((module) =>
        realInstantiate.call(W, module, importsFor(module, imports), ...rest)
          .then((instance) => ({ module, instance })));
    };
  }
}
