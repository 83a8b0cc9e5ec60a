/** Types of the OpenID Connect client library the page imports from beside it (`oauth4webapi.js`, served from the dependency). */
export * from 'oauth4webapi';
