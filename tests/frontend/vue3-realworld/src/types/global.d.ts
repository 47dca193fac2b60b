declare module 'insane';

interface ImportMeta {
  env: {
    BASE_URL: string
    VITE_API_HOST: string
  }
}
