// The page `npm run bench -- recipes` opens: runs one recipe on the page's WebGPU adapter, logging
// progress to the console (the runner prints it) and returning the run's summaries as JSON.
import { createWebGPUBackend } from '../../../src/index.js';
import { type RecipeInput, type RecipeSummary, runRecipe } from '../recipes.js';

declare global {
  interface Window {
    shaderformerRecipes: { run(input: RecipeInput): Promise<RecipeSummary[]> };
  }
}

window.shaderformerRecipes = {
  async run(input) {
    const backend = await createWebGPUBackend();
    try {
      return await runRecipe(backend, input, (line) => console.log(line));
    } finally {
      backend.destroy();
    }
  },
};
