// Replaces WebAssembly.instantiate, instantiateStreaming and the
// WebAssembly.Instance constructor so that `importsFor(module, imports)` can
// change the import object of every instance a program creates, whichever of
// the three it uses (register.mjs; the real-world tests' hooks.mjs).
// `new WebAssembly.Instance` goes through a proxy of the constructor, so
// `instanceof WebAssembly.Instance` still holds for every instance.
// `instantiated(instance, link)`, when given, is called with each instance
// made, and the object `importsFor(module, imports, link)` was given for it.
export function interceptInstantiation(importsFor, instantiated = null) {
  const W = globalThis.WebAssembly;
  const realModule = W.Module;
  const realInstance = W.Instance;
  const realInstantiate = W.instantiate;
  const realCompile = W.compile;
  const realCompileStreaming = W.compileStreaming;

  const made = (instance, link) => {
    if (instantiated) instantiated(instance, link);
    return instance;
  };
  // an instance of `module`, from the real instantiate
  const instantiateModule = (module, imports, rest) => {
    const link = {};
    return realInstantiate.call(W, module, importsFor(module, imports, link), ...rest)
      .then((instance) => made(instance, link));
  };

  W.Instance = new Proxy(realInstance, {
    construct(target, args, newTarget) {
      const [module, imports, ...rest] = args;
      const link = {};
      return made(Reflect.construct(target, [module, importsFor(module, imports, link), ...rest],
        newTarget === W.Instance ? target : newTarget), link);
    },
  });

  W.instantiate = function instantiate(source, imports, ...rest) {
    if (source instanceof realModule) return instantiateModule(source, imports, rest);
    return realCompile.call(W, source, ...rest).then((module) =>
      instantiateModule(module, imports, rest).then((instance) => ({ module, instance })));
  };

  if (typeof realCompileStreaming === 'function') {
    W.instantiateStreaming = function instantiateStreaming(source, imports, ...rest) {
      return realCompileStreaming.call(W, source, ...rest).then((module) =>
        instantiateModule(module, imports, rest).then((instance) => ({ module, instance })));
    };
  }
}
